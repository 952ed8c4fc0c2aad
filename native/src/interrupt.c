/*
 * The kernel's interrupt (SIGINT, JupyterLab's ■) as a flag that long loops poll at safe points.
 *
 * Why native: in a tslab kernel a cell without top-level await runs inside
 * vm.runInThisContext({ breakOnSigint: true }), whose watchdog answers SIGINT by terminating the
 * JavaScript wherever it is (an uncatchable termination, mid-update of whatever state the step was
 * changing); and code that never yields to the event loop never sees a process.on('SIGINT')
 * listener run. A C handler that only sets a flag works in both cases: the loop reads the flag at
 * its next safe point and stops cleanly.
 *
 * sigintCatch() installs the handler (remembering the disposition it replaces) and clears the
 * flag; sigintRelease() puts the previous disposition back, but only while ours is still the one
 * installed: Node replaces SIGINT's disposition itself when a breakOnSigint run ends (its watchdog
 * installs SignalExit, then libuv its own handler for the JS listeners), and restoring ours' saved
 * predecessor then would bring back a handler that no longer applies. Only the flag is touched in
 * the handler (async-signal-safe); it may run on any thread.
 */
#include "interrupt.h"
#include <signal.h>
#include <stdbool.h>
#include <string.h>

static volatile sig_atomic_t received = 0;
static struct sigaction previous;
static bool installed = false;

static void on_sigint(int signo) {
  (void)signo;
  received = 1;
}

static bool ours_installed(void) {
  struct sigaction current;
  if (sigaction(SIGINT, NULL, &current) != 0) return false;
  return !(current.sa_flags & SA_SIGINFO) && current.sa_handler == on_sigint;
}

static napi_value boolean(napi_env env, bool value) {
  napi_value out;
  if (napi_get_boolean(env, value, &out) != napi_ok) return NULL;
  return out;
}

/* sigintCatch(): installs the flag handler (clearing the flag); false when it could not (errno). */
static napi_value SigintCatchJs(napi_env env, napi_callback_info info) {
  (void)info;
  if (installed && ours_installed()) {
    received = 0;
    return boolean(env, true);
  }
  struct sigaction action;
  memset(&action, 0, sizeof action);
  action.sa_handler = on_sigint;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART | SA_ONSTACK;
  received = 0;
  if (sigaction(SIGINT, &action, &previous) != 0) return boolean(env, false);
  installed = true;
  return boolean(env, true);
}

/* sigintRelease(): restores the replaced disposition if ours is still installed; returns whether it did. */
static napi_value SigintReleaseJs(napi_env env, napi_callback_info info) {
  (void)info;
  bool restored = false;
  if (installed && ours_installed()) restored = sigaction(SIGINT, &previous, NULL) == 0;
  installed = false;
  return boolean(env, restored);
}

/* sigintTake(): whether SIGINT arrived since sigintCatch or the last take; clears the flag. */
static napi_value SigintTakeJs(napi_env env, napi_callback_info info) {
  (void)info;
  int was = __atomic_exchange_n(&received, 0, __ATOMIC_SEQ_CST);
  return boolean(env, was != 0);
}

/* sigintInstalled(): whether the flag handler is SIGINT's disposition right now. */
static napi_value SigintInstalledJs(napi_env env, napi_callback_info info) {
  (void)info;
  return boolean(env, installed && ours_installed());
}

int fmnist_register_interrupt(napi_env env, napi_value exports) {
  static const struct { const char *name; napi_callback cb; } fns[] = {
    {"sigintCatch", SigintCatchJs},
    {"sigintRelease", SigintReleaseJs},
    {"sigintTake", SigintTakeJs},
    {"sigintInstalled", SigintInstalledJs},
  };
  for (size_t i = 0; i < sizeof fns / sizeof fns[0]; i++) {
    napi_value fn;
    if (napi_create_function(env, fns[i].name, NAPI_AUTO_LENGTH, fns[i].cb, NULL, &fn) != napi_ok) return 0;
    if (napi_set_named_property(env, exports, fns[i].name, fn) != napi_ok) return 0;
  }
  return 1;
}
