/* pi-keyring-builtin-providers.c: the five OAuth providers pi supports
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "providers/pi-keyring-providers-private.h"

/* The built-in providers in pi's registry order (reference §1.2). */
GPtrArray *
_pi_keyring_builtin_providers_new (void)
{
  PiKeyringProvider *(*constructors[]) (void) = {
    _pi_keyring_anthropic_provider_new,
    _pi_keyring_copilot_provider_new,
    _pi_keyring_gemini_cli_provider_new,
    _pi_keyring_antigravity_provider_new,
    _pi_keyring_codex_provider_new,
    /* pi 1.6.0's */
    _pi_keyring_meta_provider_new,
    _pi_keyring_xai_provider_new,
    _pi_keyring_radius_provider_new,
    _pi_keyring_openrouter_provider_new,
    /* openai: the ChatGPT sign-in, under the id of the OpenAI API key (one
     * entry per id, api_key or oauth, as pi 1.6.0). */
    _pi_keyring_openai_provider_new,
    _pi_keyring_kimi_provider_new,
  };
  GPtrArray *providers = g_ptr_array_new_with_free_func (g_object_unref);

  for (gsize i = 0; i < G_N_ELEMENTS (constructors); i++)
    {
      PiKeyringProvider *provider = constructors[i] ();

      if (provider != NULL)
        g_ptr_array_add (providers, provider);
    }

  return providers;
}

PiKeyringCredential *
_pi_keyring_loopback_provider_login_finish (PiKeyringProvider  *provider,
                                            GAsyncResult       *result,
                                            GError            **error)
{
  return _pi_keyring_loopback_login_finish (G_OBJECT (provider), result, error);
}

static GQuark
builtin_info_quark (void)
{
  return g_quark_from_static_string ("pi-keyring-builtin-provider-info");
}

static const PiKeyringBuiltinProviderInfo *
get_info (PiKeyringProvider *provider)
{
  return g_type_get_qdata (G_OBJECT_TYPE (provider), builtin_info_quark ());
}

static const char *
builtin_get_id (PiKeyringProvider *provider)
{
  return get_info (provider)->id;
}

static const char *
builtin_get_display_name (PiKeyringProvider *provider)
{
  return get_info (provider)->display_name;
}

static const char *
builtin_get_flow (PiKeyringProvider *provider)
{
  return get_info (provider)->flow;
}

void
_pi_keyring_builtin_provider_iface_init (PiKeyringProviderInterface         *iface,
                                         const PiKeyringBuiltinProviderInfo *info)
{
  g_assert (info->flow != NULL);

  /* The interface's copy for this type knows the type. */
  g_type_set_qdata (iface->g_iface.g_instance_type, builtin_info_quark (), (gpointer) info);

  if (info->id != NULL)
    iface->get_id = builtin_get_id;
  if (info->display_name != NULL)
    iface->get_display_name = builtin_get_display_name;
  iface->get_flow = builtin_get_flow;
  if (g_str_equal (info->flow, "loopback"))
    iface->login_finish = _pi_keyring_loopback_provider_login_finish;
}
