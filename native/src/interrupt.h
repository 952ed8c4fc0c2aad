#ifndef FMNIST_INTERRUPT_H
#define FMNIST_INTERRUPT_H
#include <node_api.h>

/* Registers sigintCatch, sigintRelease, sigintTake and sigintPending on `exports` (see interrupt.c). */
int fmnist_register_interrupt(napi_env env, napi_value exports);

#endif
