/* Delivery of acrnd's VMEvent signals to every client that registered a
 * matching domain event callback, as libvirt MESSAGE packets. */
#pragma once

#include "acrnd-client.h"
#include "rpc-server.h"

void events_attach(RpcServer *server);
/* Sends one lifecycle (or reboot) event for `vm` to all clients; exposed
 * for tests. */
void events_broadcast(RpcServer *server, const AcrndVm *vm, int event_id, int event, int detail);
