/* The capabilities XML (CONNECT_GET_CAPABILITIES): the host's CPUs and
 * memory plus one hvm/x86_64 guest whose domain type is 'kvm', the only
 * ACRN-capable type stock Nova accepts (it requires virt_type=kvm). */
#pragma once

#include "host-info.h"

#define CAPS_EMULATOR "/usr/bin/acrn-dm"

char *capabilities_xml(const HostInfo *host);

/* The domain capabilities XML (CONNECT_GET_DOMAIN_CAPABILITIES) of the one
 * guest the capabilities offer, with @virttype as the domain type asked
 * for: what a definition may use (direct kernel boot, virtio disks) and
 * the devices and features ACRN does not offer, each supported='no'. */
char *domain_capabilities_xml(const HostInfo *host, const char *virttype);
