"""Tests for the CGI Camera integration."""
