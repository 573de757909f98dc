# A skewed start on configs/default.policy: twelve app-OS threads are all
# started on CPU 1 (as a first-fit kernel would), arriving over the first
# second; some leave after six seconds. Format: docs/balancer.md.
#
# thread NAME  CLIENT GROUP ARRIVE EXIT CPU PHASES (LOAD@MS, cycled)
period 50
thread modem   modem  -     0      -    0   300@1
thread w0      appos  -     0      -    1   250@1
thread w1      appos  -     100    -    1   250@1
thread w2      appos  -     200    -    1   250@1
thread w3      appos  -     300    -    1   250@1
thread w4      appos  -     400    -    1   250@1
thread w5      appos  -     500    -    1   250@1
thread w6      appos  -     600    6000 1   400@300 100@300
thread w7      appos  -     700    6000 1   400@300 100@300
thread w8      appos  -     800    6000 1   400@300 100@300
thread w9      appos  -     900    6000 1   400@300 100@300
thread w10     appos  -     1000   -    1   150@1
thread w11     appos  -     1100   -    1   150@1
