/*
 * The `apps` boot module: every program of the app-OS partition. init
 * starts it once per program with an env page (MU_ENV_VA) whose `mode`
 * picks what it does (docs/apps.md).
 */
#include <string.h>
#include "appos.h"

static const struct {
	const char *name;
	void (*run)(void);
} modes[] = {
	{ "compute", mode_compute },
	{ "prodcons", mode_prodcons },
	{ "sensitive", mode_sensitive },
	{ "vm", mode_vm },
	{ "dialer", mode_dialer },
	{ "probe", mode_probe },
	{ "spin", mode_spin },
};

/* A mode given as a number in the system file (`mode 7`): spinners. */
static bool numeric(const char *mode)
{
	if (!*mode)
		return false;
	for (; *mode; mode++)
		if (*mode < '0' || *mode > '9')
			return false;
	return true;
}

int main(void)
{
	const struct mu_env *env = (const struct mu_env *)MU_ENV_VA;
	const char *why = env_check(env);
	if (why) {
		/* No console to say it on without an env: init hears it, then we stay out of the way. */
		app_report(APP_EENV, 0, 0, "unusable env page: %s", why);
		for (;;)
			app_sleep_ms(60000);
	}
	app_env = env;
	char program[25], partition[25], mode[25];
	env_name(program, env->program);
	env_name(partition, env->partition);
	env_name(mode, env->mode);
	app_set_name(partition, program);
	for (unsigned i = 0; i < sizeof(modes) / sizeof(modes[0]); i++)
		if (env_mode_is(env, modes[i].name))
			modes[i].run();   /* never returns */
	if (numeric(mode))
		mode_spin();
	app_report(APP_EMODE, 0, 0, "unknown mode '%s' (compute, prodcons, sensitive, vm, dialer, probe, spin or a number)",
		   mode);
	app_log("unknown mode '%s': idle", mode);
	for (;;)
		app_sleep_ms(60000);
}
