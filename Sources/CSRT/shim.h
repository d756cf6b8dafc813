#ifndef CSRT_SHIM_H
#define CSRT_SHIM_H
// libsrt-openssl, linked statically (see Package.swift for why).
#include <srt/srt.h>
#include <srt/access_control.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#endif
