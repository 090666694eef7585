#!/bin/sh
# -U (acrn-dm before it was refused) gives the VM's UUID; acrnctl add --uuid
# (which the golden test passes) wins, with a warning.
acrn-dm -m 1G -k /boot/vmlinuz -U 495ae2e5-2603-4d64-af76-d4bc5a8ec0e5 vm1
