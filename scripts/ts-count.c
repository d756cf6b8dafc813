// A counting sink for MPEG-TS on stdin, used by scripts/bench-relay behind each
// `srt-live-transmit ... file://con` reader: counts bytes and checks every PID's continuity
// counter, so a reader's loss shows without storing or decoding what it received.
//
// Once ready for signals, on SIGUSR1 and at end of input it writes one line to stderr:
//   bytes=<n> packets=<n> cc_errors=<n> skipped_bytes=<n>
// The benchmark signals at the start and the end of its measuring window and takes differences.
// A CC error is a payload-carrying packet whose counter is neither the previous one plus one
// nor a repeat of it (a legal duplicate), outside a signalled discontinuity.
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

enum { TS = 188 };

static volatile sig_atomic_t report_requested;
static void on_usr1(int sig) { (void)sig; report_requested = 1; }

static uint64_t bytes, packets, cc_errors, skipped_bytes;
static int16_t last_cc[8192]; // -1: PID not seen yet

static void report(void) {
    char line[160];
    int n = snprintf(line, sizeof line, "bytes=%llu packets=%llu cc_errors=%llu skipped_bytes=%llu\n",
                     (unsigned long long)bytes, (unsigned long long)packets,
                     (unsigned long long)cc_errors, (unsigned long long)skipped_bytes);
    if (write(2, line, (size_t)n) < 0) { /* nothing to do: the benchmark sees the line missing */ }
}

static void check(const uint8_t *p) {
    packets++;
    int pid = ((p[1] & 0x1f) << 8) | p[2];
    if (pid == 0x1fff) return;
    int afc = (p[3] >> 4) & 3, cc = p[3] & 0xf;
    if ((afc & 2) && p[4] > 0 && (p[5] & 0x80)) last_cc[pid] = -1; // discontinuity indicator
    if (!(afc & 1)) return; // no payload: the counter does not advance
    int last = last_cc[pid];
    if (last >= 0 && cc != last && cc != ((last + 1) & 0xf)) cc_errors++;
    last_cc[pid] = (int16_t)cc;
}

int main(void) {
    memset(last_cc, 0xff, sizeof last_cc);
    struct sigaction action = {0};
    action.sa_handler = on_usr1;
    sigaction(SIGUSR1, &action, NULL);
    report(); // the first line says the handler is in place: signalling earlier would kill us

    static uint8_t buffer[1 << 17];
    size_t have = 0;
    for (;;) {
        if (report_requested) { report_requested = 0; report(); }
        // Wait at most 50 ms for input, so a signal that lands just before the wait is answered
        // even while nothing arrives.
        struct pollfd input = {.fd = 0, .events = POLLIN};
        if (poll(&input, 1, 50) == 0) continue;
        ssize_t n = read(0, buffer + have, sizeof buffer - have);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        bytes += (uint64_t)n;
        have += (size_t)n;
        size_t at = 0;
        while (have - at >= TS) {
            if (buffer[at] != 0x47) { skipped_bytes++; at++; continue; }
            check(buffer + at);
            at += TS;
        }
        memmove(buffer, buffer + at, have - at);
        have -= at;
    }
    report();
    return 0;
}
