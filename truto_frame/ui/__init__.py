"""What people see: the notebook preview widget and tables, the command line, the demo."""
