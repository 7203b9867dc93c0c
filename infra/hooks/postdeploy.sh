#!/bin/sh
# After `azd deploy`: subscribe the blob trigger to BlobCreated events of the uploads container.
# The webhook needs the host's blobs_extension system key, which exists only once the app runs.
# azd passes the Bicep outputs (AZURE_RESOURCE_GROUP, ...) as environment variables.
set -eu

app="$AZURE_FUNCTION_APP_NAME"
group="$AZURE_RESOURCE_GROUP"
topic="$AZURE_EVENTGRID_SYSTEM_TOPIC_NAME"
container="$UPLOADS_CONTAINER"
host="${AZURE_FUNCTION_URL#https://}"

key=""
attempt=0
while [ -z "$key" ] && [ "$attempt" -lt 12 ]; do
  key=$(az functionapp keys list --resource-group "$group" --name "$app" \
        --query "systemKeys.blobs_extension" --output tsv 2>/dev/null || true)
  if [ -z "$key" ]; then
    attempt=$((attempt + 1))
    echo "Waiting for the blobs_extension key of $app ($attempt/12)..."
    sleep 10
  fi
done
if [ -z "$key" ]; then
  echo "The blobs_extension key did not appear; run this script again once the app is up." >&2
  exit 1
fi

endpoint="https://$host/runtime/webhooks/blobs?functionName=Host.Functions.on_blob_dropped&code=$key"
az eventgrid system-topic event-subscription create \
  --resource-group "$group" \
  --system-topic-name "$topic" \
  --name uploads-to-blob-trigger \
  --endpoint-type webhook \
  --endpoint "$endpoint" \
  --included-event-types Microsoft.Storage.BlobCreated \
  --subject-begins-with "/blobServices/default/containers/$container/" \
  --event-delivery-schema EventGridSchema \
  --output none
echo "Event Grid now delivers BlobCreated events of '$container' to the blob trigger of $app."
