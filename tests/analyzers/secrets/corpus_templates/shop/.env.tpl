# local development settings
DEBUG=true
DATABASE_URL=postgresql://shop_app:⟦urlpass⟧@localhost:5432/shop
DATABASE_PASSWORD=⟦password⟧
REDIS_URL=redis://localhost:6379/0
SECRET_KEY=⟦hexsecret⟧
STRIPE_API_KEY=⟦stripe⟧
SENDGRID_API_KEY=SG.xxxxxxxxxxxxxxxxxxxxxx.xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx
SLACK_BOT_TOKEN=⟦slack⟧
AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE
AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY
TENANT_ID=⟪uuid⟫
