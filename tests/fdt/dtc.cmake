# Compiles one DTS with dtc; run as
#   cmake -DDTC=<dtc> -DIN=<file.dts> -DOUT=<file.dtb> [-DSTRICT=ON] -P dtc.cmake
# dtc has no -Werror, so with STRICT any warning it prints fails the build:
# the board trees must compile warning-free.
execute_process(
  COMMAND "${DTC}" -I dts -O dtb -o "${OUT}" "${IN}"
  RESULT_VARIABLE rc
  ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  file(REMOVE "${OUT}")
  message(FATAL_ERROR "dtc failed on ${IN}:\n${err}")
endif()
if(STRICT AND NOT err STREQUAL "")
  file(REMOVE "${OUT}")
  message(FATAL_ERROR "dtc warned on ${IN} (board trees must be warning-free):\n${err}")
endif()
