"""The HTTP client of the Unified Calendar API: auth, options, pacing, retries, pools."""
