/*
 * The load balancer's protocols (loadbalancer/server.c, docs/balancer.md).
 *
 * A client's scheduler instance is an IPC gate that speaks the kernel
 * Scheduler protocol of abi.h unchanged (MU_SCHED_INFO, MU_SCHED_RUN_THREAD,
 * MU_SCHED_IDLE_TIME): its CPUs are numbered 0..n-1 in its own view and its
 * priorities 0..255 are offset into its band, clamped at the band's top.
 *
 * The control gate is its creator's (init's) alone:
 *   LB_OPEN   mr[0..5] = instance name (a client or group of the policy file,
 *             NUL-padded to 24 bytes); reply mr[0] = instance id and, as a
 *             granted capability item, the instance's gate (rights to invoke and
 *             delete: no one but the balancer binds it).
 *   LB_CLOSE  mr[0] = instance id: forget its threads (their capabilities go).
 *   LB_STATS  reply mr[0] = open instances, mr[1] = threads managed, mr[2] =
 *             periods run, mr[3] = moves made, mr[4] = median decision cost in
 *             ns of the last 64 periods, mr[5] = threads dropped because they died,
 *             mr[6] = CPUs holding threads (bitmap)
 *   LB_DUMP   print the decision log on the console (`LB ...` lines), then clear it.
 * Results come as the reply's label (mu_rpc).
 */
#ifndef MUON_LB_H
#define MUON_LB_H

enum { LB_OPEN = 0x200, LB_CLOSE = 0x201, LB_STATS = 0x202, LB_DUMP = 0x203 };

/* Where init puts things when it starts the balancer: the policy file's text
 * at LB_POLICY_VA (r0 = its length), a gate to the control protocol bound to
 * the balancer's thread with label LB_CONTROL_LABEL. */
#define LB_POLICY_VA 0x20000000u
#define LB_CONTROL_LABEL 1u

#endif
