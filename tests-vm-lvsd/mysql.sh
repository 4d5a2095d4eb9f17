#!/bin/sh
# Stand-in for /etc/keepalived/mysql.sh, which examples/mysql-master.conf runs
# as notify_down (the real script kills keepalived): records that it ran.
echo "mysql.sh $*" >> /tmp/notify.log
