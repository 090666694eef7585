#!/bin/sh
echo "this script starts nothing"
