# A guest that hangs: prints one line, then spins forever in the Service VM
# without another word. platform-hang.test expects the runner's idle limit
# to stop the run and say so; no other test runs it.
echo "# spinning forever from now on"
while :; do :; done
