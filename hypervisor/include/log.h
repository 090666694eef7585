/* SPDX-License-Identifier: BSD-3-Clause */
/* Leveled console log, serial markers and the panic path. */
#ifndef HV_LOG_H
#define HV_LOG_H

#include "lib.h"

#define LOG_FATAL   1
#define LOG_ERROR   2
#define LOG_WARN    3
#define LOG_INFO    4
#define LOG_DEBUG   5
#define LOG_VERBOSE 6

extern int hv_loglevel;

void console_init(u16 uart_port, bool e9);
void console_putc(char c);
void console_write(const char *s, size_t len);
/* Non-blocking read from the hypervisor UART; -1 if nothing is there. */
int console_getc(void);
/* Wait until the UART transmitter is empty (LSR.TEMT). */
void console_drain(void);
void console_break_lock(void);
u16 console_port(void);

/* Always printed, whatever the log level (markers, TAP, shell). */
void hv_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void hv_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void hv_panic(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

#define pr_fatal(...) hv_log(LOG_FATAL, __VA_ARGS__)
#define pr_err(...)   hv_log(LOG_ERROR, __VA_ARGS__)
#define pr_warn(...)  hv_log(LOG_WARN, __VA_ARGS__)
#define pr_info(...)  hv_log(LOG_INFO, __VA_ARGS__)
#define pr_dbg(...)   hv_log(LOG_DEBUG, __VA_ARGS__)

#endif
