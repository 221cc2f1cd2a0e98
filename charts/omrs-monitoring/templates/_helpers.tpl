{{/* include "omrsmon.labels" (dict "ctx" $ "component" "logs") */}}
{{- define "omrsmon.selectorLabels" -}}
app.kubernetes.io/name: omrs-monitoring
app.kubernetes.io/instance: {{ .ctx.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "omrsmon.labels" -}}
{{ include "omrsmon.selectorLabels" . }}
app.kubernetes.io/version: {{ .ctx.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .ctx.Release.Service }}
app.kubernetes.io/part-of: omrs
{{- end -}}

{{- define "omrsmon.image" -}}
image: {{ .image | quote }}
imagePullPolicy: {{ .ctx.Values.images.pullPolicy }}
{{- end -}}

{{- define "omrsmon.pullSecrets" -}}
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}

{{- define "omrsmon.storeName" -}}{{ .Release.Name }}-logs{{- end -}}
{{- define "omrsmon.shipperName" -}}{{ .Release.Name }}-log-shipper{{- end -}}
