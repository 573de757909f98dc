/* The system call (syscall.c): invoke the object a capability names. */
#ifndef SYSCALL_H
#define SYSCALL_H

struct thread;
struct kobj;

int syscall(struct thread *t);
extern struct kobj *const console_kobj;   /* the console object boot.c gives sigma0 and init */

#endif
