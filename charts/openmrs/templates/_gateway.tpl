{{/* The nginx locations of one tenant under a path prefix ("" for the root).
  include "omrs.gatewayRoutes" (dict "ctx" $ "tenant" $t "prefix" "/clinic-a" "frontend" "rel-frontend") */}}
{{- define "omrs.gatewayRoutes" -}}
{{- $p := .prefix -}}
{{- $backend := include "omrs.backendName" (dict "ctx" .ctx "tenant" .tenant) -}}
{{- if .ctx.Values.maintenance.enabled -}}
location {{ $p }}/ {
  return 503;
}
{{- else -}}
location = {{ $p }}/openmrs/spa {
  return 301 {{ $p }}/openmrs/spa/;
}
location {{ $p }}/openmrs/spa/ {
  set $omrs_upstream "{{ .frontend }}$omrs_dns_suffix";
  rewrite ^{{ $p }}/openmrs/spa/(.*)$ /$1 break;
  proxy_pass http://$omrs_upstream:{{ .ctx.Values.frontend.port }};
}
location {{ $p }}/openmrs {
  set $omrs_upstream "{{ $backend }}$omrs_dns_suffix";
  {{- if $p }}
  rewrite ^{{ $p }}(/openmrs.*)$ $1 break;
  proxy_cookie_path /openmrs {{ $p }}/openmrs;
  {{- end }}
  proxy_pass http://$omrs_upstream:{{ .ctx.Values.backend.port }};
}
location {{ $p }}/ {
  set $omrs_upstream "{{ .frontend }}$omrs_dns_suffix";
  {{- if $p }}
  rewrite ^{{ $p }}/(.*)$ /$1 break;
  {{- end }}
  proxy_pass http://$omrs_upstream:{{ .ctx.Values.frontend.port }};
}
{{- end -}}
{{- end -}}
