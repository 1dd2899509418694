/* STUB: the provider is being written. */
#include "config.h"

#include "pi-keyring-private.h"
#include "pi-keyring-oauth-private.h"

PiKeyringProvider *
_pi_keyring_gemini_cli_provider_new (void)
{
  return NULL;
}

PiKeyringProvider *
_pi_keyring_antigravity_provider_new (void)
{
  return NULL;
}
