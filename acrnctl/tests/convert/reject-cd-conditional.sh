#!/bin/sh
if [ -d /opt/vm ]; then
	cd /opt/vm
fi
acrn-dm -m 1G -k ./bzImage vm1
