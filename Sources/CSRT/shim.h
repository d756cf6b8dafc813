#ifndef CSRT_SHIM_H
#define CSRT_SHIM_H
// libsrt-openssl, linked statically (see Package.swift for why).
#include <srt/srt.h>
#include <srt/access_control.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

// libsrt's own "an SRT event happened" notice (srt::sync::CGlobEvent::triggerEvent, internal
// but a global symbol of libsrt.a). srt_epoll_wait looks at the system descriptors of a set only
// when it wakes for an SRT event or after its 10 ms timed wait; calling this after writing to a
// watched descriptor makes a waiting srt_epoll_wait look at once.
void csrt_wake_epoll_waiters(void) __asm__("_ZN3srt4sync10CGlobEvent12triggerEventEv");
#endif
