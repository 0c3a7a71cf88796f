//! The reader on whole documents: shared inputs and helpers here, the cases by what they
//! check in the files below.

mod content;
mod hostile;
mod namespaces;
mod structure;

use super::*;

const CUSTOMER: &str = "http://bindings.egain.com/ws/model/v12/gen/interaction/customer";
const PERSON: &str = "http://bindings.egain.com/ws/model/v12/gen/interaction/contactperson";
const COMMON: &str = "http://bindings.egain.com/ws/model/v12/gen/common";
const POINT: &str = "http://bindings.egain.com/ws/model/v12/gen/interaction/contactpoint";

fn read(xml: &str) -> Result<Element, XmlError> {
    parse(xml.as_bytes(), &XmlLimits::default())
}

fn refused(xml: &str) -> XmlError {
    match read(xml) {
        Ok(tree) => panic!("accepted {xml:?} as {tree:?}"),
        Err(e) => e,
    }
}

/// The first request body of the seed's example 1, as eGain documents it.
const EXAMPLE_1: &str = r#"<customer xmlns="http://bindings.egain.com/ws/model/v12/gen/interaction/customer" 
		xmlns:ns1="http://bindings.egain.com/ws/model/v12/gen/interaction/contactperson"
		xmlns:ns2="http://bindings.egain.com/ws/model/v12/gen/platform" >
	<type>
		<value>individual</value>
	</type>
	<contactPersons>
		<ns1:contactPerson>
			<ns1:firstName>Jack</ns1:firstName>
		</ns1:contactPerson>
	</contactPersons>
</customer>"#;

/// A part of the seed's example 2, keeping its declaration and its ns1:, ns3:, ns4:.
const EXAMPLE_2: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<customer xmlns="http://bindings.egain.com/ws/model/v12/gen/interaction/customer" xmlns:ns1="http://bindings.egain.com/ws/model/v12/gen/interaction/contactperson" xmlns:ns2="http://bindings.egain.com/ws/model/v12/gen/platform" xmlns:ns3="http://bindings.egain.com/ws/model/v12/gen/common" xmlns:ns4="http://bindings.egain.com/ws/model/v12/gen/interaction/contactpoint">
   <department>
      <ns2:name>Service</ns2:name>
   </department>
   <type>
      <value>individual</value>
   </type>
   <marketSegment>Medical Products</marketSegment>
   <contactPersons>
      <ns1:contactPerson>
         <ns1:firstName>John</ns1:firstName>
         <ns1:gender>
            <ns3:value>male</ns3:value>
         </ns1:gender>
         <ns1:contactPoints>
            <ns4:contactPoint>
               <ns4:type>
                  <ns4:value>email</ns4:value>
                  <ns4:email>
                     <ns4:emailAddress>john.russel@customer.com</ns4:emailAddress>
                  </ns4:email>
               </ns4:type>
               <ns4:priority>
                  <ns3:value>medium</ns3:value>
               </ns4:priority>
            </ns4:contactPoint>
         </ns1:contactPoints>
      </ns1:contactPerson>
   </contactPersons>
</customer>"#;

fn child<'e>(element: &'e Element, ns: &str, name: &str) -> &'e Element {
    element
        .children
        .iter()
        .find(|c| c.is(ns, name))
        .unwrap_or_else(|| panic!("no {name} in {element:?}"))
}
