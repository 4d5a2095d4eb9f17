#!/bin/sh
# Stand-in for the seed's /etc/keepalived/mysql.sh (which kills keepalived):
# records that it ran.
echo "mysql.sh $*" >> /tmp/notify.log
