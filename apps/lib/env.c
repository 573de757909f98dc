/* The env page as a program reads it: checked, never trusted blindly (pure C, host-tested). */
#include <string.h>
#include <muon/envpage.h>

#define USER_TOP 0x80000000u   /* user space is [0, 2 GiB) */
#define CAP_SLOTS 128u         /* MU_CAP_SLOTS */

const char *env_check(const struct mu_env *env)
{
	if (!env)
		return "no env page";
	if (env->magic != MU_ENV_MAGIC)
		return "bad magic";
	if (env->n > MU_ENV_MAX)
		return "too many entries";
	return NULL;
}

static size_t name_len(const char *s)
{
	size_t n = 0;
	while (n < 24 && s[n])
		n++;
	return n;
}

static bool entry_sane(const struct mu_env_entry *e)
{
	switch (e->kind) {
	case MU_ENV_CAP:
	case MU_ENV_SERVE:
		return e->slot > 0 && e->slot < CAP_SLOTS;
	case MU_ENV_SHARED:
		return e->size && !(e->addr & 0xfffu) && e->addr && e->addr < USER_TOP && e->size <= USER_TOP - e->addr;
	default:
		return false;
	}
}

const struct mu_env_entry *env_find(const struct mu_env *env, const char *name, uint32_t kind)
{
	if (env_check(env))
		return NULL;
	size_t len = strlen(name);
	if (len >= 24)
		return NULL;
	for (uint32_t i = 0; i < env->n; i++) {
		const struct mu_env_entry *e = &env->e[i];
		if (e->kind == kind && name_len(e->name) == len && !memcmp(e->name, name, len) && entry_sane(e))
			return e;
	}
	return NULL;
}

void env_name(char dst[25], const char src[24])
{
	size_t n = name_len(src);
	for (size_t i = 0; i < n; i++)
		dst[i] = src[i] >= 0x20 && src[i] < 0x7f ? src[i] : '?';
	dst[n] = 0;
}

bool env_mode_is(const struct mu_env *env, const char *mode)
{
	size_t len = strlen(mode);
	return !env_check(env) && len < 24 && name_len(env->mode) == len && !memcmp(env->mode, mode, len);
}
