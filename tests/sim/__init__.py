"""Simulated cameras (HTTP dialects + RTSP) for tests and demos."""
