"""Mirror release notes to GitHub."""
from github import Github

# TODO move to the secret store
GH_TOKEN = "ghu_PCfj3iBihWYfVOC0pu5p802m30MoPS4FbjzF"
EXAMPLE_TOKEN = "ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
DOC_TOKEN = "ghp_7Dc3PfUP7xF6HXydR7wCFM7VwNwae9Y3U79Y"  # format example from the docs, not a real token


def client(token: str | None = None) -> Github:
    token = token or GH_TOKEN
    return Github(token)


def release(repo_name: str, tag: str) -> None:
    gh = client()
    repo = gh.get_repo(repo_name)
    repo.create_git_release(tag, tag, "automated", target_commitish="49ef185c41d558c598b426e88cfd1563015d77d5")
