"""The provider table: one row per token format, not one function per provider.

Each row gives the token's regex, the lower-case literals that must occur in a file
before the regex runs (the scanner finds them all in one Aho-Corasick pass), an
optional check (checksum or decoding) and a severity. Two kinds of rows:

* prefix rows: the token carries its own literal prefix (``dop_v1_``, ``sk-ant-``);
  the pattern is the token itself;
* context rows (``near``): the token is an anonymous string (40 characters of base62)
  that is a secret only when a provider word names it (``CLOUDFLARE_API_TOKEN = …``);
  the pattern is built by ``_near`` as "provider word, short key tail, assignment, value".

Formats follow the providers' documentation and the public rule sets of gitleaks and
trufflehog; checks are applied where the format carries one (``CHECKS`` in checks.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from stackaudit.model import Severity

C, H, M = Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM


@dataclass(frozen=True, slots=True)
class Provider:
    """One token format. ``keywords`` are lower-case literals, one of which must occur in the file."""

    id: str  # rule id suffix: secret.<id>
    name: str
    pattern: str  # the secret is the group ``secret`` (or the whole match)
    keywords: tuple[str, ...]
    check: str = ""  # a name in checks.CHECKS; "" = format only
    severity: Severity = H
    near: bool = False  # a context row: the value is only a secret next to the provider word
    strict: bool = False  # a failed check rejects the match (else it only lowers confidence)


def _near(words: str, value: str) -> str:
    """``<provider word>[key tail] <assignment> <value>``, in any syntax (``=``, ``:``, ``=>``, env, YAML)."""
    return (
        rf"(?i:{words})[\w.\-]{{0,30}}?[\"'\]]{{0,2}}\s{{0,3}}(?:=>|:=|[=:,]|\s)\s{{0,3}}"
        rf"[\"'`]?(?P<secret>{value})(?![A-Za-z0-9_\-])"
    )


def _p(pid: str, name: str, pattern: str, *kw: str, check: str = "", sev: Severity = H) -> Provider:
    return Provider(pid, name, pattern, kw or (pattern[:4].lower(),), check, sev)


def _n(pid: str, name: str, words: str, value: str, *kw: str, sev: Severity = H) -> Provider:
    keys = kw or tuple(w.lower().replace("\\", "") for w in words.split("|"))
    return Provider(pid, name, _near(words, value), keys, "", sev, near=True)


B62 = "[A-Za-z0-9]"
URLSAFE = r"[A-Za-z0-9_\-]"
HEX = "[a-f0-9]"
UUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"

PROVIDERS: tuple[Provider, ...] = (
    # AI and model hosting
    _p(
        "anthropic",
        "Anthropic API key",
        rf"sk-ant-(?:api|admin|oat|ort)\d\d-{URLSAFE}{{80,110}}",
        "sk-ant-",
        sev=C,
    ),
    _p(
        "openai",
        "OpenAI API key",
        rf"sk-(?:proj|svcacct|admin|None)-{URLSAFE}{{20,200}}T3BlbkFJ{URLSAFE}{{20,200}}",
        "t3blbkfj",
        sev=C,
    ),
    _p("openai-legacy", "OpenAI API key", rf"sk-{B62}{{20}}T3BlbkFJ{B62}{{20}}", "t3blbkfj", sev=C),
    _p(
        "openai-project",
        "OpenAI API key",
        rf"sk-(?:proj|svcacct|admin)-{URLSAFE}{{40,200}}",
        "sk-proj-",
        "sk-svcacct-",
        "sk-admin-",
        sev=C,
    ),
    _p("openrouter", "OpenRouter API key", rf"sk-or-v1-{HEX}{{64}}", "sk-or-v1-"),
    _p("huggingface", "Hugging Face token", r"hf_[A-Za-z]{34}", "hf_"),
    _p("huggingface-org", "Hugging Face organisation token", r"api_org_[A-Za-z]{34}", "api_org_"),
    _p("groq", "Groq API key", rf"gsk_{B62}{{52}}", "gsk_"),
    _p("perplexity", "Perplexity API key", rf"pplx-{B62}{{48}}", "pplx-"),
    _p("xai", "xAI API key", rf"xai-{B62}{{80}}", "xai-"),
    _p("replicate", "Replicate API token", rf"r8_{B62}{{37}}", "r8_"),
    _p("langsmith", "LangSmith API key", rf"lsv2_(?:pt|sk)_{HEX}{{32}}_{HEX}{{10}}", "lsv2_"),
    _p("pinecone", "Pinecone API key", r"pcsk_[A-Za-z0-9_]{50,120}", "pcsk_"),
    _p("elevenlabs", "ElevenLabs API key", rf"sk_{HEX}{{48}}", "sk_"),
    _n("deepseek", "DeepSeek API key", "deepseek", rf"sk-{HEX}{{32}}"),
    _n("mistral", "Mistral API key", "mistral", rf"{B62}{{32}}"),
    _n("cohere", "Cohere API key", "cohere|co_api", rf"{B62}{{40}}"),
    _n("azure-openai", "Azure OpenAI key", "azure_openai|azure-openai|openai_api_key", rf"{HEX}{{32}}"),
    _n("together", "Together AI API key", "together", rf"{HEX}{{64}}"),
    # Source hosting, CI and registries
    _p(
        "gitlab",
        "GitLab token",
        rf"(?:glpat|gldt|glrt|glcbt|glptt|glft|glimt|glagent|gloas|glsoat|glffct)-{URLSAFE}{{20,300}}"
        r"(?:\.[0-9a-z]{2}[0-9a-z]{7})?",
        "glpat-",
        "gldt-",
        "glrt-",
        "glcbt-",
        "glptt-",
        "glft-",
        "glimt-",
        "glagent-",
        "gloas-",
        "glsoat-",
        "glffct-",
        sev=C,
    ),
    _p("gitlab-runner", "GitLab runner registration token", r"GR1348941[\w\-]{20}", "gr1348941"),
    _p("bitbucket", "Bitbucket app password", rf"ATBB{B62}{{32}}", "atbb"),
    _p(
        "atlassian",
        "Atlassian API token",
        r"(?:ATATT|ATCTT|ATSTT)3[A-Za-z0-9_\-=]{150,250}",
        "atatt3",
        "atctt3",
        "atstt3",
        sev=C,
    ),
    _n("atlassian-legacy", "Atlassian API token", "atlassian|confluence|jira", rf"{B62}{{24}}"),
    _p("docker-hub", "Docker Hub access token", r"dckr_(?:pat|oat)_[\w\-]{27,32}", "dckr_"),
    _p("clojars", "Clojars deploy token", r"CLOJARS_[a-z0-9]{60}", "clojars_"),
    _p("rubygems", "RubyGems API key", rf"rubygems_{HEX}{{48}}", "rubygems_", sev=C),
    _p("nuget", "NuGet API key", r"oy2[a-z0-9]{43}", "oy2"),
    _p("jfrog", "JFrog API key", rf"AKCp{B62}{{69}}", "akcp"),
    _p("jfrog-reference", "JFrog reference token", rf"cmVmdGtu{B62}{{56}}", "cmvmdgtu"),
    _p("buildkite", "Buildkite agent/API token", rf"bk(?:ua|agent)_{HEX}{{40}}", "bkua_", "bkagent_"),
    _p("circleci", "CircleCI personal token", rf"CCIPAT_{B62}{{22}}_{HEX}{{40}}", "ccipat_"),
    _n("circleci-legacy", "CircleCI token", "circleci|circle_token", rf"{HEX}{{40}}"),
    _n("travis", "Travis CI token", "travis", rf"{URLSAFE}{{22}}"),
    _p("sourcegraph", "Sourcegraph access token", rf"sgp_(?:{HEX}{{16}}_|local_)?{HEX}{{40}}", "sgp_"),
    _p("sonarqube", "SonarQube token", rf"sq[pau]_{HEX}{{40}}", "sqp_", "squ_", "sqa_"),
    _p("snyk", "Snyk token", rf"snyk_(?:uat|sat|oat)\.{B62}{{8}}\.{URLSAFE}{{20,64}}", "snyk_"),
    _n("snyk-legacy", "Snyk API token", "snyk", UUID),
    _p("gitea-pat", "Gitea/Codeberg token", rf"gta_{B62}{{40}}", "gta_"),
    _n("gitea", "Gitea token", "gitea|codeberg|gogs", rf"{HEX}{{40}}"),
    _p("pulumi", "Pulumi access token", rf"pul-{HEX}{{40}}", "pul-", sev=C),
    _p(
        "terraform-cloud",
        "Terraform Cloud token",
        r"[a-zA-Z0-9]{14}\.atlasv1\.[a-zA-Z0-9\-_=]{60,70}",
        "atlasv1",
        sev=C,
    ),
    _p("vault", "HashiCorp Vault token", rf"hv[sb]\.{URLSAFE}{{90,300}}", "hvs.", "hvb.", sev=C),
    _n("vault-legacy", "HashiCorp Vault token", "vault", rf"s\.{B62}{{24}}"),
    _p("prefect", "Prefect API key", rf"pnu_{B62}{{36}}", "pnu_"),
    _p("readme", "ReadMe API key", r"rdme_[a-z0-9]{70}", "rdme_"),
    _p("postman", "Postman API key", rf"PMAK-{HEX}{{24}}-{HEX}{{34}}", "pmak-"),
    _p("octopus", "Octopus Deploy API key", r"API-[A-Z0-9]{26}", "octopus"),
    _p(
        "harness",
        "Harness access token",
        rf"(?:pat|sat)\.{URLSAFE}{{22}}\.{HEX}{{24}}\.{B62}{{20}}",
        "pat.",
        "sat.",
    ),
    _p("infracost", "Infracost API key", rf"ico-{B62}{{32}}", "ico-"),
    _p(
        "codecov-upload",
        "Codecov upload token",
        "CODECOV_TOKEN[\"']?\\s*[=:]\\s*[\"']?(?P<secret>" + UUID + ")",
        "codecov_token",
    ),
    # Cloud and infrastructure
    _p(
        "digitalocean",
        "DigitalOcean token",
        rf"do[opr]_v1_{HEX}{{64}}",
        "dop_v1_",
        "doo_v1_",
        "dor_v1_",
        sev=C,
    ),
    _p("databricks", "Databricks token", rf"dapi{HEX}{{32}}(?:-\d)?", "dapi", sev=C),
    _p("alibaba", "Alibaba Cloud AccessKey id", rf"LTAI{B62}{{17,21}}", "ltai"),
    _n(
        "alibaba-secret",
        "Alibaba Cloud AccessKey secret",
        "alibaba|aliyun|alicloud|access_key_secret",
        rf"{B62}{{30}}",
    ),
    _p("tencent", "Tencent Cloud SecretId", rf"AKID{B62}{{32}}", "akid"),
    _n("tencent-secret", "Tencent Cloud SecretKey", "tencent|secretkey|secret_key", rf"{B62}{{32}}"),
    _p("scaleway", "Scaleway access key", r"SCW[A-Z0-9]{17}", "scw"),
    _n("scaleway-secret", "Scaleway secret key", "scw_secret|scaleway", UUID),
    _n("cloudflare", "Cloudflare API token", "cloudflare|cf_api|cf_token", rf"{URLSAFE}{{40}}", sev=C),
    _n(
        "cloudflare-global",
        "Cloudflare global API key",
        "cloudflare|cf_api_key|cf_key",
        rf"{HEX}{{37}}",
        sev=C,
    ),
    _p("cloudflare-origin-ca", "Cloudflare Origin CA key", rf"v1\.0-{HEX}{{24}}-{HEX}{{146}}", "v1.0-"),
    _p("heroku", "Heroku API key", rf"HRKU-AA{URLSAFE}{{58}}", "hrku-"),
    _n("heroku-legacy", "Heroku API key", "heroku", UUID),
    _n("linode", "Linode token", "linode", rf"{HEX}{{64}}"),
    _n("vultr", "Vultr API key", "vultr", r"[A-Z0-9]{36}"),
    _n("hetzner", "Hetzner Cloud token", "hetzner|hcloud", rf"{B62}{{64}}"),
    _n("ovh", "OVH application secret", "ovh", rf"{B62}{{32}}"),
    _n("ibm-cloud", "IBM Cloud API key", "ibm|ibmcloud|bluemix", rf"{URLSAFE}{{44}}"),
    _p(
        "azure-ad-secret",
        "Azure AD client secret",
        r"[a-zA-Z0-9_~.]{3}\dQ~[a-zA-Z0-9_~.\-]{31,34}",
        "q~",
        sev=C,
    ),
    _p("azure-devops", "Azure DevOps PAT", rf"{B62}{{52}}AZDO{B62}{{4}}", "azdo", sev=C),
    _n("azure-devops-legacy", "Azure DevOps PAT", "azure_devops|ado_pat|azdo|devops_pat", r"[a-z2-7]{52}"),
    _p(
        "azure-sas",
        "Azure shared access signature",
        r"[?&]sig=(?P<secret>[A-Za-z0-9%+/]{40,90}(?:%3D|=){0,2})",
        "sig=",
        sev=H,
    ),
    _p(
        "azure-shared-key",
        "Azure Service Bus/Event Hub key",
        r"SharedAccessKey=(?P<secret>[A-Za-z0-9+/]{43}=)",
        "sharedaccesskey=",
        sev=C,
    ),
    _n(
        "azure-function-key",
        "Azure Functions key",
        "x-functions-key|azure_function_key|function_key",
        rf"{URLSAFE}{{54}}==?",
    ),
    _p("google-oauth-secret", "Google OAuth client secret", rf"GOCSPX-{URLSAFE}{{28}}", "gocspx-"),
    _p("google-oauth-token", "Google OAuth access token", rf"ya29\.{URLSAFE}{{30,300}}", "ya29."),
    _p(
        "firebase-fcm",
        "Firebase Cloud Messaging server key",
        rf"AAAA{URLSAFE}{{7}}:APA91b{URLSAFE}{{134}}",
        "apa91b",
    ),
    _p("aws-bedrock", "AWS Bedrock API key", r"ABSK[A-Za-z0-9+/]{100,300}={0,2}", "absk", sev=C),
    _p(
        "doppler",
        "Doppler token",
        r"dp\.(?:pt|st|ct|sa|scim|audit)\.[a-zA-Z0-9_\-]{40,44}",
        "dp.pt.",
        "dp.st.",
        "dp.ct.",
        "dp.sa.",
        "dp.scim.",
        "dp.audit.",
        sev=C,
    ),
    _p("infisical", "Infisical token", rf"st\.{UUID}\.{HEX}{{32}}\.{HEX}{{32}}", "infisical"),
    _p(
        "1password-sa",
        "1Password service account token",
        r"ops_eyJ[A-Za-z0-9+/=_\-]{200,}",
        "ops_ey",
        check="b64json",
        sev=C,
    ),
    _p(
        "1password-secret-key",
        "1Password secret key",
        r"A3-[A-Z0-9]{6}-(?:[A-Z0-9]{11}|[A-Z0-9]{6}-[A-Z0-9]{5})-[A-Z0-9]{5}-[A-Z0-9]{5}-[A-Z0-9]{5}",
        "a3-",
        sev=C,
    ),
    _p(
        "age",
        "age secret key",
        r"AGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58}",
        "age-secret-key-1",
        check="bech32",
        sev=C,
    ),
    _p(
        "tailscale",
        "Tailscale key",
        rf"tskey-(?:api|auth|client|webhook|scim)-{B62}{{8,}}-{B62}{{16,}}",
        "tskey-",
    ),
    _p("fly", "Fly.io token", r"(?:fm[12][ar]?|fo1)_[A-Za-z0-9+/=_\-]{43,}", "fm1", "fm2", "fo1_"),
    _p("render", "Render API key", rf"rnd_{B62}{{32}}", "rnd_"),
    _p("supabase", "Supabase token", rf"(?:sbp_{HEX}{{40}}|sb_secret_{URLSAFE}{{31}})", "sbp_", "sb_secret_"),
    _p("planetscale", "PlanetScale token", r"pscale_(?:tkn|pw|oauth)_[\w=.\-]{32,64}", "pscale_", sev=C),
    _n("netlify-legacy", "Netlify token", "netlify", rf"{URLSAFE}{{40,46}}"),
    _p("netlify", "Netlify access token", rf"nfp_{B62}{{36}}", "nfp_"),
    _n("vercel", "Vercel token", "vercel", rf"{B62}{{24}}"),
    _p("vercel-v2", "Vercel token", rf"vc[pikra]_{B62}{{56}}", "vcp_", "vci_", "vck_", "vcr_", "vca_"),
    _p("scalingo", "Scalingo API token", r"tk-us-[\w\-]{48}", "tk-us-"),
    _n("fastly", "Fastly API token", "fastly", rf"{URLSAFE}{{32}}"),
    _n("okta", "Okta API token", "okta", rf"00{URLSAFE}{{40}}"),
    _n("auth0", "Auth0 client secret", "auth0", rf"{URLSAFE}{{64}}"),
    _p("dynatrace", "Dynatrace API token", r"dt0c01\.[A-Z0-9]{24}\.[A-Z0-9]{64}", "dt0c01."),
    _p("grafana-cloud", "Grafana Cloud token", r"glc_[A-Za-z0-9+/]{32,400}={0,2}", "glc_", check="b64json"),
    _p("grafana-sa", "Grafana service account token", rf"glsa_{B62}{{32}}_{HEX}{{8}}", "glsa_"),
    _p("grafana-key", "Grafana API key", r"eyJrIjoi[A-Za-z0-9]{60,400}={0,2}", "eyjrijoi"),
    _p("newrelic-user", "New Relic user API key", r"NRAK-[A-Z0-9]{27}", "nrak-"),
    _p("newrelic-insert", "New Relic insights insert key", r"NRII-[\w\-]{32}", "nrii-"),
    _p("newrelic-admin", "New Relic admin key", rf"NRAA-{HEX}{{27}}", "nraa-"),
    _p("newrelic-license", "New Relic license key", rf"(?P<secret>{HEX}{{36}}NRAL)", "nral"),
    _n(
        "datadog",
        "Datadog API/app key",
        "datadog|dd_api_key|dd_app_key|dd_application_key",
        rf"{HEX}{{32}}(?:{HEX}{{8}})?",
    ),
    _p(
        "sentry-org",
        "Sentry organisation token",
        r"sntrys_eyJ[A-Za-z0-9+/=_\-]{60,}",
        "sntrys_",
        check="b64json",
    ),
    _p("sentry-user", "Sentry user token", rf"sntryu_{HEX}{{64}}", "sntryu_"),
    _n("sentry-legacy", "Sentry auth token", "sentry", rf"{HEX}{{64}}"),
    _n("sumologic", "Sumo Logic access key", "sumo", rf"{B62}{{64}}"),
    _n("sumologic-id", "Sumo Logic access id", "sumo", r"su[A-Za-z0-9]{12}"),
    _n(
        "honeycomb",
        "Honeycomb API key",
        "honeycomb",
        rf"(?:hc[a-z]{{2}}_{B62}{{58}}|{B62}{{22}}|{HEX}{{32}})",
    ),
    _n("rollbar", "Rollbar access token", "rollbar", rf"{HEX}{{32}}"),
    _n("bugsnag", "Bugsnag API key", "bugsnag", rf"{HEX}{{32}}"),
    _n("splunk", "Splunk HEC token", "splunk|hec_token", UUID),
    _n("pagerduty", "PagerDuty API key", "pagerduty|pd_token", r"u\+[A-Za-z0-9_+\-]{18}"),
    _n("launchdarkly", "LaunchDarkly key", "launchdarkly|ld_sdk|ld_api", rf"(?:api|sdk)-{UUID}"),
    # Messaging, email, chat
    _p(
        "brevo",
        "Brevo (Sendinblue) API key",
        rf"x(?:keysib|smtpsib)-{HEX}{{64}}-{B62}{{16}}",
        "xkeysib-",
        "xsmtpsib-",
    ),
    _p("mailchimp", "Mailchimp API key", rf"{HEX}{{32}}-us\d{{1,2}}", "-us"),
    _p("mailgun", "Mailgun API key", rf"key-{HEX}{{32}}", "key-"),
    _n("mailgun-signing", "Mailgun webhook signing key", "mailgun", rf"{HEX}{{32}}-{HEX}{{8}}-{HEX}{{8}}"),
    _n("mandrill", "Mandrill API key", "mandrill", rf"{URLSAFE}{{22}}"),
    _n("mailjet", "Mailjet API key", "mailjet|mj_apikey", rf"{HEX}{{32}}"),
    _n("postmark", "Postmark server token", "postmark", UUID),
    _n("sparkpost", "SparkPost API key", "sparkpost", rf"{HEX}{{40}}"),
    _p("sendinblue-smtp", "Brevo SMTP key", rf"xsmtpsib-{HEX}{{64}}", "xsmtpsib-"),
    _n("messagebird", "MessageBird API key", "messagebird|message_bird|message-bird", rf"{B62}{{25}}"),
    _n("vonage", "Vonage/Nexmo API secret", "nexmo|vonage", rf"{B62}{{16}}"),
    _n("plivo", "Plivo auth token", "plivo", rf"{B62}{{40}}"),
    _p("telegram", "Telegram bot token", r"\d{8,10}:AA[A-Za-z0-9_\-]{33}", ":aa"),
    _p(
        "discord-webhook",
        "Discord webhook",
        r"https://(?:ptb\.|canary\.)?discord(?:app)?\.com/api/webhooks/\d+/"
        rf"(?P<secret>{URLSAFE}{{60,70}})",
        "discord",
        sev=M,
    ),
    _p(
        "discord",
        "Discord bot token",
        rf"[MNO]{URLSAFE}{{23,27}}\.{URLSAFE}{{6}}\.{URLSAFE}{{27,40}}",
        "discord",
        "bot_token",
        "bot token",
        check="discord",
        sev=H,
    ),
    _n("discord-secret", "Discord client secret", "discord", rf"{URLSAFE}{{32}}"),
    _p("slack-app", "Slack app-level token", r"xapp-\d-[A-Z0-9]{9,12}-\d{10,14}-[a-f0-9]{64}", "xapp-"),
    _p("slack-config", "Slack configuration token", r"xoxe(?:\.xox[bp])?-\d-[A-Z0-9]{140,170}", "xoxe"),
    _p(
        "teams-webhook",
        "Microsoft Teams webhook",
        r"https://[a-z0-9]+\.webhook\.office\.com/webhookb2/"
        r"(?P<secret>[a-z0-9\-]{36}@[a-z0-9\-]{36}/IncomingWebhook/[a-z0-9]{32}/[a-z0-9\-]{36})",
        "webhook.office.com",
        sev=M,
    ),
    _p(
        "zapier-webhook",
        "Zapier webhook",
        r"https://hooks\.zapier\.com/hooks/catch/\d+/(?P<secret>[a-z0-9]{6,10})",
        "hooks.zapier.com",
        sev=M,
    ),
    _p("matrix", "Matrix access token", r"syt_[A-Za-z0-9_]+_[A-Za-z0-9]{20}_[A-Za-z0-9]{6}", "syt_"),
    _n("mattermost", "Mattermost token", "mattermost", r"[a-z0-9]{26}"),
    _n("intercom", "Intercom access token", "intercom", r"[a-zA-Z0-9=_\-]{60}"),
    _n("zendesk", "Zendesk API token", "zendesk", rf"{B62}{{40}}"),
    _n("twitch", "Twitch token", "twitch", r"[a-z0-9]{30}"),
    _n("pusher", "Pusher secret", "pusher", rf"{HEX}{{20}}"),
    _p("pubnub", "PubNub secret key", rf"sec-c-{B62}{{48}}", "sec-c-"),
    _p(
        "twitter-bearer",
        "Twitter/X bearer token",
        r"AAAAAAAAAAAAAAAAAAAAA[A-Za-z0-9%]{80,120}",
        "aaaaaaaaaaaaaaaaaaaaa",
    ),
    _n("twitter-secret", "Twitter/X API secret", "twitter|consumer_secret", rf"{B62}{{50}}"),
    _p("facebook", "Facebook access token", rf"EAACEdEose0cBA{B62}{{20,}}", "eaacedeose0cba"),
    _n("facebook-secret", "Facebook app secret", "facebook|fb_app_secret", rf"{HEX}{{32}}"),
    _n("linkedin", "LinkedIn client secret", "linkedin", rf"{B62}{{16}}"),
    _n("algolia", "Algolia admin key", "algolia", rf"{HEX}{{32}}"),
    _n("mixpanel", "Mixpanel secret", "mixpanel", rf"{HEX}{{32}}"),
    # Payments and commerce
    _p("stripe-webhook", "Stripe webhook secret", rf"whsec_{B62}{{32,64}}", "whsec_"),
    _p(
        "shopify",
        "Shopify token",
        rf"shp(?:at|ca|pa|ss)_{HEX}{{32}}",
        "shpat_",
        "shpca_",
        "shppa_",
        "shpss_",
        sev=C,
    ),
    _p(
        "square",
        "Square access token",
        r"(?:EAAA[A-Za-z0-9_\-]{60}|sq0atp-[0-9A-Za-z_\-]{22})",
        "eaaa",
        "sq0atp-",
        sev=C,
    ),
    _p("square-secret", "Square OAuth secret", r"sq0csp-[0-9A-Za-z_\-]{43}", "sq0csp-", sev=C),
    _p(
        "braintree",
        "Braintree/PayPal access token",
        rf"access_token\$production\${B62}{{16}}\${HEX}{{32}}",
        "access_token$production$",
        sev=C,
    ),
    _p("razorpay", "Razorpay key", rf"rzp_live_{B62}{{14}}", "rzp_live_"),
    _n("razorpay-secret", "Razorpay secret", "razorpay", rf"{B62}{{24}}"),
    _p("flutterwave", "Flutterwave secret key", r"FLWSECK-[a-hA-H0-9]{32}-X", "flwseck-", sev=C),
    _p("flutterwave-enc", "Flutterwave encryption key", r"FLWSECK[a-hA-H0-9]{12}", "flwseck"),
    _n("gocardless", "GoCardless access token", "gocardless", r"live_[a-zA-Z0-9\-_=]{40}", sev=C),
    _p("shippo", "Shippo API token", rf"shippo_live_{HEX}{{40}}", "shippo_live_"),
    _p("easypost", "EasyPost API key", rf"EZAK{B62}{{54}}", "ezak"),
    _p("duffel", "Duffel API token", r"duffel_live_[a-zA-Z0-9_\-=]{43}", "duffel_live_"),
    _n("lob", "Lob API key", "lob", rf"live_{HEX}{{35}}"),
    _n("coinbase", "Coinbase API secret", "coinbase", rf"{B62}{{32,64}}"),
    _n("plaid", "Plaid secret", "plaid", rf"{HEX}{{30}}"),
    _p(
        "plaid-token",
        "Plaid access token",
        rf"access-(?:production|development)-{UUID}",
        "access-production-",
        "access-development-",
    ),
    _p("hubspot", "HubSpot private app token", rf"pat-(?:na|eu)\d-{UUID}", "pat-na", "pat-eu"),
    _p(
        "salesforce", "Salesforce access token", r"00D[A-Za-z0-9]{12}![A-Za-z0-9_.]{96}", "salesforce", "sfdc"
    ),
    # Content, productivity, data
    _p("notion", "Notion integration token", rf"ntn_\d{{11}}{B62}{{35}}", "ntn_"),
    _n("notion-legacy", "Notion integration token", "notion", rf"secret_{B62}{{43}}"),
    _p("linear", "Linear API key", rf"lin_(?:api|oauth)_{B62}{{40}}", "lin_api_", "lin_oauth_"),
    _n("airtable", "Airtable personal access token", "airtable", rf"pat{B62}{{14}}\.{HEX}{{64}}"),
    _n("airtable-legacy", "Airtable API key", "airtable", rf"key{B62}{{14}}"),
    _n("asana", "Asana personal access token", "asana", r"[0-9]/[0-9]{16}:[A-Za-z0-9]{32}"),
    _p("contentful", "Contentful personal access token", rf"CFPAT-{URLSAFE}{{43}}", "cfpat-"),
    _n("contentful-delivery", "Contentful delivery token", "contentful", rf"{URLSAFE}{{43}}"),
    _p("typeform", "Typeform token", r"tfp_[a-zA-Z0-9\-_.=]{59}", "tfp_"),
    _p("frameio", "Frame.io token", r"fio-u-[a-zA-Z0-9\-_=]{64}", "fio-u-"),
    _p("adobe", "Adobe client secret", rf"p8e-{B62}{{32}}", "p8e-"),
    _p("mapbox", "Mapbox secret token", r"sk\.eyJ[A-Za-z0-9_\-]{50,}\.[A-Za-z0-9_\-]{20,}", "sk.eyj"),
    _p("dropbox", "Dropbox token", r"sl\.(?:u\.)?[A-Za-z0-9_\-]{130,1000}", "dropbox", "sl.u."),
    _n("box", "Box client secret", "box_client|box_secret|box_developer", rf"{B62}{{32}}"),
    _n("figma", "Figma token", "figma", rf"(?:figd_{URLSAFE}{{40}}|{HEX}{{4}}-{UUID})"),
    _p("figma-pat", "Figma personal access token", rf"figd_{URLSAFE}{{40}}", "figd_"),
    _n("trello", "Trello API token", "trello", rf"(?:ATTA{B62}{{60,70}}|{HEX}{{64}})"),
    _n(
        "github-app-secret",
        "GitHub OAuth app secret",
        "github_client_secret|gh_client_secret|github_secret",
        rf"{HEX}{{40}}",
        sev=C,
    ),
    _n("ghost", "Ghost Admin API key", "ghost", rf"{HEX}{{24}}:{HEX}{{64}}"),
    _n("sanity", "Sanity token", "sanity", rf"sk{B62}{{80,200}}"),
    _n("storyblok", "Storyblok token", "storyblok", rf"{B62}{{22}}tt"),
    _n("contentstack", "Contentstack token", "contentstack", r"cs[a-f0-9]{32}"),
    _n("mongodb-atlas", "MongoDB Atlas API key", "atlas_private|mongodb_atlas|atlas_api", UUID),
    _n("confluent", "Confluent Cloud secret", "confluent", r"[A-Za-z0-9+/]{64}"),
    _n(
        "elastic",
        "Elastic Cloud API key",
        "elastic_cloud|elastic_api|es_api_key",
        r"[A-Za-z0-9_\-]{20,}={0,2}",
    ),
    _p("openshift", "OpenShift user token", r"sha256~[\w\-]{43}", "sha256~"),
    _p(
        "defined-networking",
        "Defined Networking API token",
        r"dnkey-[a-z0-9=_\-]{26}-[a-z0-9=_\-]{52}",
        "dnkey-",
    ),
    _p("beamer", "Beamer API token", r"b_[a-z0-9=_\-]{44}", "beamer"),
    _n(
        "backblaze",
        "Backblaze B2 application key",
        "b2_app|backblaze|b2_application_key",
        r"K00[0-9A-Za-z+/]{28}",
    ),
    _n("ngrok", "ngrok authtoken", "ngrok", rf"{B62}{{20,30}}_{B62}{{20,30}}"),
    _n("jenkins", "Jenkins API token", "jenkins", rf"11{HEX}{{32}}"),
    _n("artifactory", "Artifactory password/API key", "artifactory", rf"{B62}{{64,73}}"),
    _n("yandex", "Yandex Cloud API key", "yandex|yc_", rf"AQVN{URLSAFE}{{35,38}}"),
    _p("yandex-key", "Yandex Cloud API key", rf"AQVN{URLSAFE}{{35,38}}", "aqvn"),
    _p("yandex-iam", "Yandex Cloud IAM token", rf"t1\.{URLSAFE}+={{0,2}}\.{URLSAFE}{{86}}={{0,2}}", "t1."),
    _n("yandex-access", "Yandex Cloud access token", "yandex", rf"YC{URLSAFE}{{38}}"),
    _p("akamai", "Akamai EdgeGrid token", r"akab-[0-9a-z]{16}-[0-9a-z]{16}", "akab-"),
    _n("akamai-secret", "Akamai EdgeGrid client secret", "client_secret|akamai", r"[A-Za-z0-9+/]{43}="),
    _p(
        "sidekiq",
        "Sidekiq Enterprise credential",
        rf"(?P<secret>{HEX}{{8}}:{HEX}{{8}})@(?:gems|enterprise)\.contribsys",
        "contribsys",
    ),
    _n("firebase-secret", "Firebase database secret", "firebase", rf"{B62}{{40}}"),
)
