#!/bin/sh
# Written by `omrs compose export`: run by the prepare service (root, no network) before the others.
# Writes each Secret key from its variable (set in .env) as a file 0600 owned by the pod user, in a
# folder 0700, makes the emptyDir volumes writable for every user (0777, like the kubelet), and
# gives the volumes of pods with an fsGroup to that group when their root is not in it yet.
set -eu
umask 077
# put <file> <owner> <mode> <variable>
put() { printf '%s' "$(printenv "$4")" >"$1.tmp" && chmod "$3" "$1.tmp" && chown "$2" "$1.tmp" && mv -f "$1.tmp" "$1"; }
chmod 0700 /omrs/secret-backend-default-tenant-secret
put /omrs/secret-backend-default-tenant-secret/database 10101:10101 0600 OMRS_DB_DEFAULT_DATABASE
put /omrs/secret-backend-default-tenant-secret/username 10101:10101 0600 OMRS_DB_DEFAULT_USERNAME
put /omrs/secret-backend-default-tenant-secret/password 10101:10101 0600 OMRS_DB_DEFAULT_PASSWORD
chown 10101:10101 /omrs/secret-backend-default-tenant-secret
chmod 0700 /omrs/secret-init-default-db-admin
put /omrs/secret-init-default-db-admin/username 10101:10101 0600 OMRS_DB_ADMIN_USERNAME
put /omrs/secret-init-default-db-admin/password 10101:10101 0600 OMRS_DB_ADMIN_PASSWORD
chown 10101:10101 /omrs/secret-init-default-db-admin
chmod 0700 /omrs/secret-init-default-tenant-secret
put /omrs/secret-init-default-tenant-secret/database 10101:10101 0600 OMRS_DB_DEFAULT_DATABASE
put /omrs/secret-init-default-tenant-secret/username 10101:10101 0600 OMRS_DB_DEFAULT_USERNAME
put /omrs/secret-init-default-tenant-secret/password 10101:10101 0600 OMRS_DB_DEFAULT_PASSWORD
chown 10101:10101 /omrs/secret-init-default-tenant-secret
chmod 0777 /omrs/scratch-backend-default-data
chmod 0777 /omrs/scratch-backend-default-tmp
chmod 0777 /omrs/scratch-db-run
chmod 0777 /omrs/scratch-db-tmp
chmod 0777 /omrs/scratch-frontend-writable-cache
chmod 0777 /omrs/scratch-frontend-writable-lib
chmod 0777 /omrs/scratch-frontend-writable-run
chmod 0777 /omrs/scratch-frontend-writable-tmp
chmod 0777 /omrs/scratch-gateway-tmp
chmod 0777 /omrs/scratch-init-default-tmp
[ "$(stat -c %g /omrs/db-data)" = 999 ] || { chgrp 999 /omrs/db-data && chmod g+rwxs /omrs/db-data; }
