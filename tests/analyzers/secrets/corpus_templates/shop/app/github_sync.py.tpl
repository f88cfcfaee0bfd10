"""Mirror release notes to GitHub."""
from github import Github

# TODO move to the secret store
GH_TOKEN = "⟦github⟧"
EXAMPLE_TOKEN = "ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
DOC_TOKEN = "⟪bad_github⟫"  # format example from the docs, not a real token


def client(token: str | None = None) -> Github:
    token = token or GH_TOKEN
    return Github(token)


def release(repo_name: str, tag: str) -> None:
    gh = client()
    repo = gh.get_repo(repo_name)
    repo.create_git_release(tag, tag, "automated", target_commitish="⟪sha1⟫")
