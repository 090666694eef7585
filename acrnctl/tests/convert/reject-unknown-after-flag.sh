#!/bin/sh
# A word only known at run time after a flag that takes no value: it is
# not that flag's value (issue 14, bug 5), and the definition needs it.
extra=$(cat /etc/acrn/extra-options)
acrn-dm -A $extra -m 1G -k /boot/vmlinuz vm1
