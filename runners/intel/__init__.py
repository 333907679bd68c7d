"""Fleet intelligence: extension matrix, baseline and drift, capacity finder, workflow check.

Pure functions over the database that return plain dataclasses; views and the API only call
`matrix_for`, `drift_for`, `compare`, `find` and `check`.
"""
