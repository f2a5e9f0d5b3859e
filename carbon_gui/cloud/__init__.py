"""Google Cloud (Vertex AI jobs, staging buckets) and the local runner. No Qt here.

The Google SDKs are imported inside functions, never at module level: app start-up must not pay
their import time.
"""
