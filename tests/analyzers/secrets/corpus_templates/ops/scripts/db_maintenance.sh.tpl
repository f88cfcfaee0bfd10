#!/bin/sh
# vacuum and reindex the shop database
PGPASSWORD='⟦password⟧' psql -h db.internal -U shop_app -d shop -c 'VACUUM ANALYZE;'
export PGPASSWORD="${DB_PASSWORD}"
mongodump --uri="mongodb://backup:⟦urlpass⟧@mongo.internal:27017/shop" --out /backups/$(date +%F)
echo "done at $(date)"
