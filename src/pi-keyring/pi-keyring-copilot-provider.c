/* STUB: the provider is being written. */
#include "config.h"

#include "pi-keyring-private.h"
#include "pi-keyring-oauth-private.h"

PiKeyringProvider *
_pi_keyring_copilot_provider_new (void)
{
  return NULL;
}
