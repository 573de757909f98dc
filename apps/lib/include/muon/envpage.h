/*
 * The env page (uapi/muon/env.h) as a program reads it: checked, never
 * trusted blindly. Pure C (apps/lib/env.c): every user program links it and
 * the host tests (tests/test_appos.c) run it.
 */
#ifndef MUON_ENVPAGE_H
#define MUON_ENVPAGE_H

#include <stdbool.h>
#include <stdint.h>
#include <muon/env.h>

/* NULL if env can be used, else why not. */
const char *env_check(const struct mu_env *env);
/*
 * The entry named `name` of kind `kind`, sane for its kind (slot in range,
 * region inside user space), or NULL: also NULL when the page itself fails
 * env_check. Every caller must handle NULL.
 */
const struct mu_env_entry *env_find(const struct mu_env *env, const char *name, uint32_t kind);
/* Copy a 24-byte name field as a C string (dst holds 25 bytes); printable ASCII only, others become '?'. */
void env_name(char dst[25], const char src[24]);
bool env_mode_is(const struct mu_env *env, const char *mode);

#endif
