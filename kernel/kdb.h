/*
 * The kernel debug console (kdb.c): built in only with MUON_KDEBUG. Without
 * it these hooks are empty and no kdb code or symbol is in the image.
 */
#ifndef KDB_H
#define KDB_H

#include "kernel/kernel.h"

#define KDB_KEY 0x1c   /* Ctrl-\ typed on the serial console enters the monitor */

struct thread;
struct factory;

#if MUON_KDEBUG
void kdb_enter(void);                    /* stop the other CPUs, take commands until `g` */
void kdb_thread_add(struct thread *t);   /* the registry the monitor lists threads from */
void kdb_thread_del(struct thread *t);
void kdb_factory_add(struct factory *f);
void kdb_factory_del(struct factory *f);
#else
static inline void kdb_enter(void) {}
static inline void kdb_thread_add(struct thread *t) { (void)t; }
static inline void kdb_thread_del(struct thread *t) { (void)t; }
static inline void kdb_factory_add(struct factory *f) { (void)f; }
static inline void kdb_factory_del(struct factory *f) { (void)f; }
#endif

#endif
