/* The system call (syscall.c): invoke the object a capability names. */
#ifndef SYSCALL_H
#define SYSCALL_H

struct thread;

int syscall(struct thread *t);

#endif
