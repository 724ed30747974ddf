#!/usr/bin/python3
print("not a shell script")
