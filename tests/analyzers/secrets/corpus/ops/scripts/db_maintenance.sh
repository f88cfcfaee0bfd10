#!/bin/sh
# vacuum and reindex the shop database
PGPASSWORD='lgYg7^YNYRx' psql -h db.internal -U shop_app -d shop -c 'VACUUM ANALYZE;'
export PGPASSWORD="${DB_PASSWORD}"
mongodump --uri="mongodb://backup:2frM3KcZCmFp@mongo.internal:27017/shop" --out /backups/$(date +%F)
echo "done at $(date)"
