# A phone on configs/default.policy: the modem pipeline pinned on CPU 0 (which
# the modem reserves), the app OS's applications with load phases, and a
# two-vCPU virtual machine. Format: docs/balancer.md.
#
# thread NAME     CLIENT GROUP ARRIVE EXIT CPU PHASES (LOAD@MS, cycled)
period 50
thread modem_rx   modem  -     0      -    0   400@1
thread modem_tx   modem  -     0      -    0   250@1
thread ui         appos  -     0      -    -   300@200 800@100 100@700
thread sync       appos  -     0      -    -   50@900 700@100
thread music      appos  -     1000   -    -   150@1
thread browser    appos  -     500    6000 -   900@400 200@600
thread game       appos  -     2000   8000 -   950@1000
thread camera     appos  -     4000   7000 -   600@50 300@50
thread vcpu0      appos  vm1   0      -    -   500@300 100@300
thread vcpu1      appos  vm1   0      -    -   300@1
