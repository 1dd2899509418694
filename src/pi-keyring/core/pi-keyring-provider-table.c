/* pi-keyring-provider-table.c: pi's table of providers (ids, names, login flows, environment variables)
 *
 * Data only, shared by the layers: the catalog answers with it, and the
 * secret-service backend names its items after it. The table follows pi's
 * OAuth registry (reference §1.2, §1.3) and packages/ai/src/env-api-keys.ts
 * (reference §5).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "core/pi-keyring-core-private.h"

#define ENV(...) ((const char * const []) { __VA_ARGS__, NULL })
#define NO_ENV   ((const char * const []) { NULL })

/* The five OAuth providers in pi's registry order, then the API-key
 * providers in the order of pi's table. */
static const PiKeyringProviderInfo providers[] = {
  { "anthropic", "Anthropic (Claude Pro/Max)", "loopback",
    ENV ("ANTHROPIC_OAUTH_TOKEN", "ANTHROPIC_API_KEY") },
  { "github-copilot", "GitHub Copilot", "device",
    ENV ("COPILOT_GITHUB_TOKEN", "GH_TOKEN", "GITHUB_TOKEN") },
  { "google-gemini-cli", "Google Cloud Code Assist (Gemini CLI)", "loopback", NO_ENV },
  { "google-antigravity", "Antigravity (Gemini 3, Claude, GPT-OSS)", "loopback", NO_ENV },
  { "openai-codex", "ChatGPT Plus/Pro (Codex Subscription)", "loopback", NO_ENV },

  { "openai", "OpenAI", NULL, ENV ("OPENAI_API_KEY") },
  { "azure-openai-responses", "Azure OpenAI", NULL, ENV ("AZURE_OPENAI_API_KEY") },
  { "google", "Google Gemini", NULL, ENV ("GEMINI_API_KEY") },
  { "groq", "Groq", NULL, ENV ("GROQ_API_KEY") },
  { "cerebras", "Cerebras", NULL, ENV ("CEREBRAS_API_KEY") },
  { "xai", "xAI", NULL, ENV ("XAI_API_KEY") },
  { "openrouter", "OpenRouter", NULL, ENV ("OPENROUTER_API_KEY") },
  { "vercel-ai-gateway", "Vercel AI Gateway", NULL, ENV ("AI_GATEWAY_API_KEY") },
  { "zai", "ZAI", NULL, ENV ("ZAI_API_KEY") },
  { "mistral", "Mistral", NULL, ENV ("MISTRAL_API_KEY") },
  { "minimax", "MiniMax", NULL, ENV ("MINIMAX_API_KEY") },
  { "minimax-cn", "MiniMax (China)", NULL, ENV ("MINIMAX_CN_API_KEY") },
  { "huggingface", "Hugging Face", NULL, ENV ("HF_TOKEN") },
  { "opencode", "OpenCode Zen", NULL, ENV ("OPENCODE_API_KEY") },
  { "opencode-go", "OpenCode Go", NULL, ENV ("OPENCODE_API_KEY") },
  { "kimi-coding", "Kimi For Coding", NULL, ENV ("KIMI_API_KEY") },
  { "google-vertex", "Google Vertex AI", NULL,
    ENV ("GOOGLE_CLOUD_API_KEY", "GOOGLE_APPLICATION_CREDENTIALS",
         "GOOGLE_CLOUD_PROJECT", "GCLOUD_PROJECT", "GOOGLE_CLOUD_LOCATION") },
  { "amazon-bedrock", "Amazon Bedrock", NULL,
    ENV ("AWS_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
         "AWS_BEARER_TOKEN_BEDROCK", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
         "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_WEB_IDENTITY_TOKEN_FILE") },
};

#undef ENV
#undef NO_ENV

static const char * const provider_ids[] = {
  "anthropic",
  "github-copilot",
  "google-gemini-cli",
  "google-antigravity",
  "openai-codex",
  "openai",
  "azure-openai-responses",
  "google",
  "groq",
  "cerebras",
  "xai",
  "openrouter",
  "vercel-ai-gateway",
  "zai",
  "mistral",
  "minimax",
  "minimax-cn",
  "huggingface",
  "opencode",
  "opencode-go",
  "kimi-coding",
  "google-vertex",
  "amazon-bedrock",
  NULL
};

G_STATIC_ASSERT (G_N_ELEMENTS (provider_ids) == G_N_ELEMENTS (providers) + 1);

const PiKeyringProviderInfo *
_pi_keyring_provider_table_lookup (const char *provider)
{
  for (gsize i = 0; i < G_N_ELEMENTS (providers); i++)
    if (g_str_equal (providers[i].id, provider))
      return &providers[i];

  return NULL;
}

const char * const *
_pi_keyring_provider_table_get_ids (void)
{
  return provider_ids;
}

static PiKeyringDisplayNameFunc display_name_func;

void
_pi_keyring_set_display_name_func (PiKeyringDisplayNameFunc func)
{
  g_atomic_pointer_set (&display_name_func, func);
}

const char *
_pi_keyring_provider_display_name (const char *provider)
{
  PiKeyringDisplayNameFunc func = g_atomic_pointer_get (&display_name_func);
  const PiKeyringProviderInfo *info;

  if (func != NULL)
    return func (provider);

  info = _pi_keyring_provider_table_lookup (provider);
  return info != NULL ? info->name : NULL;
}
