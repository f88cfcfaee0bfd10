[web]
web1.internal ansible_host=10.0.1.11
web2.internal ansible_host=10.0.1.12

[db]
db1.internal ansible_host=10.0.2.10 ansible_user=deploy ansible_password=⟦password⟧

[all:vars]
ansible_become_password={{ vault_become_password }}
ansible_ssh_private_key_file=~/.ssh/deploy_ed25519
