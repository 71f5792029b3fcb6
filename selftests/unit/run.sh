#!/usr/bin/env bash
# Unit tests: pure user-space logic, no privileges needed.
exec "${OUT:-build}/test_unit"
