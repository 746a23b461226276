{{- define "tagship.name" -}}{{ .Release.Name }}-tagship{{- end -}}

{{- define "tagship.image" -}}
{{- if .Values.image.digest -}}{{ .Values.image.repository }}@{{ .Values.image.digest }}{{- else -}}{{ .Values.image.repository }}:{{ .Values.image.tag }}{{- end -}}
{{- end -}}

{{- define "tagship.labels" -}}
app.kubernetes.io/name: tagship
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
helm.sh/chart: {{ .Chart.Name }}-{{ .Chart.Version }}
{{- end -}}

{{/* Settings both containers share: Temporal, the projects file, the store, secrets by reference. */}}
{{- define "tagship.env" -}}
- name: TEMPORAL_ADDRESS
  value: {{ .Values.temporal.address | quote }}
- name: TEMPORAL_NAMESPACE
  value: {{ .Values.temporal.namespace | quote }}
{{- if .Values.temporal.tlsSecret }}
- name: TEMPORAL_TLS_SERVER_CA_CERT_PATH
  value: /etc/tagship/temporal-tls/ca.crt
- name: TEMPORAL_TLS_CLIENT_CERT_PATH
  value: /etc/tagship/temporal-tls/tls.crt
- name: TEMPORAL_TLS_CLIENT_KEY_PATH
  value: /etc/tagship/temporal-tls/tls.key
{{- if .Values.temporal.serverName }}
- name: TEMPORAL_TLS_SERVER_NAME
  value: {{ .Values.temporal.serverName | quote }}
{{- end }}
{{- end }}
- name: TAGSHIP_PROJECTS
  value: /etc/tagship/projects/projects.yml
- name: TAGSHIP_STATE_DIR
  value: /var/lib/tagship
{{- /* The store: artifacts and records for the worker; the hook deliveries every replica shares. */}}
- name: TAGSHIP_S3_BUCKET
  value: {{ .Values.store.bucket | quote }}
{{- if .Values.store.endpoint }}
- name: TAGSHIP_S3_ENDPOINT
  value: {{ .Values.store.endpoint | quote }}
{{- end }}
- name: TAGSHIP_S3_REGION
  value: {{ .Values.store.region | quote }}
{{- if .Values.store.repositoryBucket }}
- name: TAGSHIP_REPO_S3_BUCKET
  value: {{ .Values.store.repositoryBucket | quote }}
{{- end }}
{{- end -}}

{{- define "tagship.envFrom" -}}
- secretRef:
    name: {{ .Values.store.credentialsSecret | quote }}
{{- range .Values.envFromSecrets }}
- secretRef:
    name: {{ . | quote }}
{{- end }}
{{- end -}}

{{- define "tagship.volumes" -}}
- name: projects
  configMap:
    name: {{ include "tagship.name" . }}-projects
- name: state
  emptyDir: {}
{{- if .Values.temporal.tlsSecret }}
- name: temporal-tls
  secret:
    secretName: {{ .Values.temporal.tlsSecret | quote }}
{{- end }}
{{- end -}}

{{- define "tagship.mounts" -}}
- name: projects
  mountPath: /etc/tagship/projects
  readOnly: true
- name: state
  mountPath: /var/lib/tagship
{{- if .Values.temporal.tlsSecret }}
- name: temporal-tls
  mountPath: /etc/tagship/temporal-tls
  readOnly: true
{{- end }}
{{- end -}}

{{- define "tagship.securityContext" -}}
runAsNonRoot: true
runAsUser: 10001
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
capabilities:
  drop: [ALL]
{{- end -}}
