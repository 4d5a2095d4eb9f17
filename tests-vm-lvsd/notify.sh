#!/bin/sh
# Records each notify call with its arguments.
echo "$*" >> /tmp/notify.log
