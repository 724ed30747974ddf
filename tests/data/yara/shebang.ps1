#!/usr/bin/env pwsh
"hello"
