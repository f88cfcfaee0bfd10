"""Mirror release notes to GitHub."""
from github import Github

# TODO move to the secret store
GH_TOKEN = "ghs_2WqvIS34mxjC2z9stptV98A9qb4S911aNLjS"
EXAMPLE_TOKEN = "ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
DOC_TOKEN = "ghp_8VzZO8CI0DlfoWRjxWkYyZ4qIPHnOpMcj9hf"  # format example from the docs, not a real token


def client(token: str | None = None) -> Github:
    token = token or GH_TOKEN
    return Github(token)


def release(repo_name: str, tag: str) -> None:
    gh = client()
    repo = gh.get_repo(repo_name)
    repo.create_git_release(tag, tag, "automated", target_commitish="501b95ac2a53c766f0193a345471774b6d8c40b3")
