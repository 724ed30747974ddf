#!/usr/bin/env bash
for f in "$@"; do echo "$f"; done
