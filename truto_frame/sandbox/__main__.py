"""``python -m truto_frame.sandbox --port 8787 --latency 0.2 ...``: serve the sandbox."""

from .server import main

if __name__ == "__main__":
    main()
