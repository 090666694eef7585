/* The capabilities XML (CONNECT_GET_CAPABILITIES): the host's CPUs and
 * memory plus one hvm/x86_64 guest whose domain type is 'kvm', the only
 * ACRN-capable type stock Nova accepts (it requires virt_type=kvm). */
#pragma once

#include "host-info.h"

#define CAPS_EMULATOR "/usr/bin/acrn-dm"

char *capabilities_xml(const HostInfo *host);
