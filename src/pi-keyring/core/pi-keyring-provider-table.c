/* pi-keyring-provider-table.c: pi's table of providers (ids, names, login flows, environment variables)
 *
 * Data only, shared by the layers: the catalog answers with it, and the
 * secret-service backend names its items after it. This file is the one
 * place that describes what each pi release knows (docs/pi-versions.md):
 * a new pi release is a new bit, a new string in pi_versions[] and the
 * rows it adds or drops. The rows follow pi's OAuth registry (reference
 * §1.2, §1.3), pi-ai's dist/env-api-keys.js and dist/providers/ of pi
 * 0.73.1 (@mariozechner) and pi 1.6.0 (@earendil-works); tests/test-catalog-pi.py
 * compares them with the installed packages.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "core/pi-keyring-core-private.h"

#define ENV(...) ((const char * const []) { __VA_ARGS__, NULL })
#define NO_ENV   ((const char * const []) { NULL })

#define V073 PI_KEYRING_PI_0_73
#define V16  PI_KEYRING_PI_1_6
#define BOTH (V073 | V16)

/* A provider whose variables all carry its key, the first set one winning. */
#define KEY_PROVIDER(id, name, versions, ...) \
  { id, name, NULL, ENV (__VA_ARGS__), ENV (__VA_ARGS__), NULL, \
    PI_KEYRING_ENV_RULE_FIRST, versions, NULL }

/* The pi releases of the bits, oldest first. */
static const char * const pi_versions[] = { "0.73.1", "1.6.0", NULL };

/* The five OAuth providers in pi's registry order (google-gemini-cli and
 * google-antigravity: pi dropped them in 0.71, pi's authentication guide
 * still lists them), then the API-key providers in the order of pi 1.6.0's
 * table, a provider of 0.73.1 alone beside its 1.6.0 counterpart. */
static const PiKeyringProviderInfo providers[] = {
  /* ANTHROPIC_AUTH_TOKEN (pi 1.6.0) is sent as "Authorization: Bearer":
   * it authenticates pi, and wins over the two keys, but it is no key
   * (getEnvApiKey skips it). Last, pi 1.6.0's workload identity federation:
   * the rule, organization and identity token file (all three needed),
   * with an optional service account and workspace; no key either. */
  { "anthropic", "Anthropic (Claude Pro/Max)", "loopback",
    ENV ("ANTHROPIC_AUTH_TOKEN", "ANTHROPIC_OAUTH_TOKEN", "ANTHROPIC_API_KEY",
         "ANTHROPIC_FEDERATION_RULE_ID", "ANTHROPIC_ORGANIZATION_ID",
         "ANTHROPIC_IDENTITY_TOKEN_FILE", "ANTHROPIC_SERVICE_ACCOUNT_ID",
         "ANTHROPIC_WORKSPACE_ID"),
    ENV ("ANTHROPIC_OAUTH_TOKEN", "ANTHROPIC_API_KEY"), "ANTHROPIC_API_KEY",
    PI_KEYRING_ENV_RULE_FIRST, BOTH, NULL },
  /* pi 1.6.0 reads COPILOT_GITHUB_TOKEN only; 0.73.1 also GH_TOKEN, GITHUB_TOKEN. */
  { "github-copilot", "GitHub Copilot", "device",
    ENV ("COPILOT_GITHUB_TOKEN", "GH_TOKEN", "GITHUB_TOKEN"),
    ENV ("COPILOT_GITHUB_TOKEN", "GH_TOKEN", "GITHUB_TOKEN"), NULL,
    PI_KEYRING_ENV_RULE_FIRST, BOTH, NULL },
  { "google-gemini-cli", "Google Cloud Code Assist (Gemini CLI)", "loopback", NO_ENV, NO_ENV,
    NULL, PI_KEYRING_ENV_RULE_FIRST, 0, NULL },
  { "google-antigravity", "Antigravity (Gemini 3, Claude, GPT-OSS)", "loopback", NO_ENV, NO_ENV,
    NULL, PI_KEYRING_ENV_RULE_FIRST, 0, NULL },
  { "openai-codex", "ChatGPT Plus/Pro (Codex Subscription)", "loopback", NO_ENV, NO_ENV,
    NULL, PI_KEYRING_ENV_RULE_FIRST, BOTH, NULL },

  KEY_PROVIDER ("ant-ling", "Ant Ling", V16, "ANT_LING_API_KEY"),
  /* The per-plan variable first, then the region's, which both plans shared. */
  KEY_PROVIDER ("qwen-token-plan", "Qwen Token Plan Team", V16,
                "QWEN_TOKEN_PLAN_TEAM_API_KEY", "QWEN_TOKEN_PLAN_API_KEY"),
  KEY_PROVIDER ("qwen-token-plan-cn", "Qwen Token Plan Team CN", V16,
                "QWEN_TOKEN_PLAN_TEAM_CN_API_KEY", "QWEN_TOKEN_PLAN_CN_API_KEY"),
  KEY_PROVIDER ("qwen-token-plan-individual", "Qwen Token Plan Individual", V16,
                "QWEN_TOKEN_PLAN_INDIVIDUAL_API_KEY", "QWEN_TOKEN_PLAN_API_KEY"),
  KEY_PROVIDER ("qwen-token-plan-individual-cn", "Qwen Token Plan Individual CN", V16,
                "QWEN_TOKEN_PLAN_INDIVIDUAL_CN_API_KEY", "QWEN_TOKEN_PLAN_CN_API_KEY"),
  KEY_PROVIDER ("openai", "OpenAI", BOTH, "OPENAI_API_KEY"),
  /* One Azure OpenAI, two ids: each pi release reads its own entry. */
  { "azure", "Azure OpenAI", NULL, ENV ("AZURE_OPENAI_API_KEY"), ENV ("AZURE_OPENAI_API_KEY"),
    NULL, PI_KEYRING_ENV_RULE_FIRST, V16, "azure-openai-responses" },
  { "azure-openai-responses", "Azure OpenAI", NULL, ENV ("AZURE_OPENAI_API_KEY"),
    ENV ("AZURE_OPENAI_API_KEY"), NULL, PI_KEYRING_ENV_RULE_FIRST, V073, "azure" },
  KEY_PROVIDER ("nvidia", "NVIDIA", V16, "NVIDIA_API_KEY"),
  KEY_PROVIDER ("deepseek", "DeepSeek", BOTH, "DEEPSEEK_API_KEY"),
  KEY_PROVIDER ("google", "Google Gemini", BOTH, "GEMINI_API_KEY"),
  KEY_PROVIDER ("groq", "Groq", BOTH, "GROQ_API_KEY"),
  KEY_PROVIDER ("cerebras", "Cerebras", BOTH, "CEREBRAS_API_KEY"),
  KEY_PROVIDER ("xai", "xAI", BOTH, "XAI_API_KEY"),
  KEY_PROVIDER ("typesafe", "TypeSafe", V16, "TYPESAFE_API_KEY"),
  KEY_PROVIDER ("radius", "Radius", V16, "RADIUS_API_KEY"),
  KEY_PROVIDER ("openrouter", "OpenRouter", BOTH, "OPENROUTER_API_KEY"),
  KEY_PROVIDER ("vercel-ai-gateway", "Vercel AI Gateway", BOTH, "AI_GATEWAY_API_KEY"),
  KEY_PROVIDER ("zai", "ZAI", BOTH, "ZAI_API_KEY"),
  KEY_PROVIDER ("zai-coding-cn", "Z.AI Coding CN", V16, "ZAI_CODING_CN_API_KEY"),
  KEY_PROVIDER ("mistral", "Mistral", BOTH, "MISTRAL_API_KEY"),
  KEY_PROVIDER ("minimax", "MiniMax", BOTH, "MINIMAX_API_KEY"),
  KEY_PROVIDER ("minimax-cn", "MiniMax (China)", BOTH, "MINIMAX_CN_API_KEY"),
  KEY_PROVIDER ("moonshotai", "Moonshot AI", BOTH, "MOONSHOT_API_KEY"),
  KEY_PROVIDER ("moonshotai-cn", "Moonshot AI (China)", BOTH, "MOONSHOT_API_KEY"),
  KEY_PROVIDER ("huggingface", "Hugging Face", BOTH, "HF_TOKEN"),
  KEY_PROVIDER ("fireworks", "Fireworks", BOTH, "FIREWORKS_API_KEY"),
  KEY_PROVIDER ("together", "Together", V16, "TOGETHER_API_KEY"),
  KEY_PROVIDER ("baseten", "Baseten", V16, "BASETEN_API_KEY"),
  KEY_PROVIDER ("opencode", "OpenCode Zen", BOTH, "OPENCODE_API_KEY"),
  KEY_PROVIDER ("opencode-go", "OpenCode Go", BOTH, "OPENCODE_API_KEY"),
  KEY_PROVIDER ("kimi-coding", "Kimi For Coding", BOTH, "KIMI_API_KEY"),
  KEY_PROVIDER ("meta", "Meta", V16, "META_API_KEY"),
  /* The account (and gateway) id travel beside the key: in the
   * environment, or in the entry's "env" (pi 1.6.0). */
  { "cloudflare-workers-ai", "Cloudflare Workers AI", NULL,
    ENV ("CLOUDFLARE_API_KEY", "CLOUDFLARE_ACCOUNT_ID"), ENV ("CLOUDFLARE_API_KEY"), NULL,
    PI_KEYRING_ENV_RULE_FIRST, BOTH, NULL },
  { "cloudflare-ai-gateway", "Cloudflare AI Gateway", NULL,
    ENV ("CLOUDFLARE_API_KEY", "CLOUDFLARE_ACCOUNT_ID", "CLOUDFLARE_GATEWAY_ID"),
    ENV ("CLOUDFLARE_API_KEY"), NULL, PI_KEYRING_ENV_RULE_FIRST, BOTH, NULL },
  KEY_PROVIDER ("xiaomi", "Xiaomi", BOTH, "XIAOMI_API_KEY"),
  KEY_PROVIDER ("xiaomi-token-plan-cn", "Xiaomi Token Plan CN", BOTH,
                "XIAOMI_TOKEN_PLAN_CN_API_KEY"),
  KEY_PROVIDER ("xiaomi-token-plan-ams", "Xiaomi Token Plan AMS", BOTH,
                "XIAOMI_TOKEN_PLAN_AMS_API_KEY"),
  KEY_PROVIDER ("xiaomi-token-plan-sgp", "Xiaomi Token Plan SGP", BOTH,
                "XIAOMI_TOKEN_PLAN_SGP_API_KEY"),
  /* A key, else the Application Default Credentials file with a project
   * and a location. */
  { "google-vertex", "Google Vertex AI", NULL,
    ENV ("GOOGLE_CLOUD_API_KEY", "GOOGLE_APPLICATION_CREDENTIALS",
         "GOOGLE_CLOUD_PROJECT", "GCLOUD_PROJECT", "GOOGLE_CLOUD_LOCATION"),
    ENV ("GOOGLE_CLOUD_API_KEY"), NULL, PI_KEYRING_ENV_RULE_VERTEX, BOTH, NULL },
  /* pi 1.6.0's order (0.73.1 had AWS_BEARER_TOKEN_BEDROCK fourth); any one
   * source authenticates. A stored key is a bearer token, which the AWS
   * SDK reads from AWS_BEARER_TOKEN_BEDROCK. */
  { "amazon-bedrock", "Amazon Bedrock", NULL,
    ENV ("AWS_BEARER_TOKEN_BEDROCK", "AWS_PROFILE", "AWS_ACCESS_KEY_ID",
         "AWS_SECRET_ACCESS_KEY", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
         "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_WEB_IDENTITY_TOKEN_FILE"),
    NO_ENV, "AWS_BEARER_TOKEN_BEDROCK", PI_KEYRING_ENV_RULE_BEDROCK, BOTH, NULL },
};

#undef KEY_PROVIDER
#undef BOTH
#undef V16
#undef V073
#undef ENV
#undef NO_ENV

/* The ids of providers[], in its order, NULL-terminated; filled once. */
static const char *provider_ids[G_N_ELEMENTS (providers) + 1];

/* One NULL-terminated list of releases per mask. */
#define N_PI_VERSIONS (G_N_ELEMENTS (pi_versions) - 1)
static const char *versions_of_mask[1u << N_PI_VERSIONS][N_PI_VERSIONS + 1];

static gpointer
fill_tables (gpointer data)
{
  for (gsize i = 0; i < G_N_ELEMENTS (providers); i++)
    provider_ids[i] = providers[i].id;
  provider_ids[G_N_ELEMENTS (providers)] = NULL;

  for (guint mask = 0; mask < G_N_ELEMENTS (versions_of_mask); mask++)
    {
      gsize n = 0;

      for (gsize bit = 0; bit < N_PI_VERSIONS; bit++)
        if ((mask & (1u << bit)) != 0)
          versions_of_mask[mask][n++] = pi_versions[bit];
      versions_of_mask[mask][n] = NULL;
    }

  return NULL;
}

static void
ensure_tables (void)
{
  static GOnce once = G_ONCE_INIT;

  g_once (&once, fill_tables, NULL);
}

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
  ensure_tables ();
  return provider_ids;
}

const char * const *
_pi_keyring_provider_table_get_pi_versions (void)
{
  return pi_versions;
}

const char * const *
_pi_keyring_provider_table_versions_of (guint mask)
{
  ensure_tables ();
  g_return_val_if_fail (mask < G_N_ELEMENTS (versions_of_mask), versions_of_mask[0]);
  return versions_of_mask[mask];
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
